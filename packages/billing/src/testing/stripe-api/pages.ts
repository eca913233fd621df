import type { StripeState } from "./store.ts";

/**
 * The pages behind the URLs the API hands out (a checkout session's `url`, a portal session's,
 * an invoice's `hosted_invoice_url`): plain HTML naming the object, so a browser or a test that
 * follows the link gets a 200. Null for any other path.
 */
export function pageFor(state: StripeState, path: string): string | null {
  const [, kind, id] = path.split("/");
  if (id === undefined || id === "") return null;
  switch (kind) {
    case "checkout": {
      const session = state.checkoutSessions.get(id);
      return session === undefined
        ? null
        : page("Checkout", `Session ${session.id}: ${session.status}`);
    }
    case "billing_portal": {
      const session = state.portalSessions.get(id);
      return session === undefined ? null : page("Billing portal", `Customer ${session.customer}`);
    }
    case "invoices": {
      const invoice = state.invoices.get(id);
      return invoice === undefined
        ? null
        : page(
            "Invoice",
            `${invoice.number ?? invoice.id}: ${invoice.status} (${invoice.amount_due} ${invoice.currency})`,
          );
    }
    default:
      return null;
  }
}

function page(title: string, text: string): string {
  const html = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><title>${html(title)}</title></head><body><h1>${html(title)}</h1><p>${html(text)}</p></body></html>`;
}
