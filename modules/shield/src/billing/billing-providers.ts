import { stripeClient, stripeConfig } from "@kamiyo/billing/stripe";
import type { ShieldSettings } from "../settings.ts";
import type { CrmProviderKind, PaymentProviderKind } from "./billing-terms.ts";
import type { CrmProvider } from "./crm/crm-provider.ts";
import type { PaymentProvider } from "./payments/payment-provider.ts";
import { StripePayments } from "./payments/stripe-payments.ts";
import { ZuoraPayments } from "./payments/zuora-payments.ts";

/** The payment providers and CRMs the install has credentials for. */
export interface BillingProviders {
  payments: Partial<Record<PaymentProviderKind, PaymentProvider>>;
  crms: Partial<Record<CrmProviderKind, CrmProvider>>;
}

/**
 * The providers Shield's settings configure: Stripe with `SHIELD_STRIPE_SECRET_KEY` (through the
 * platform's client), PayPal with `SHIELD_PAYPAL_CLIENT_ID` and `…_SECRET`, Zuora with `SHIELD_ZUORA_CLIENT_ID` and `…_SECRET`,
 * Salesforce with `SHIELD_SALESFORCE_CLIENT_ID`, `…_SECRET` and `…_LOGIN_URL`, HubSpot with
 * `SHIELD_HUBSPOT_ACCESS_TOKEN`; the others are left out (their clients are not charged or synced).
 * The PayPal, Salesforce and HubSpot SDKs are loaded only when configured (together some 300 ms at
 * start-up, which no other command should pay).
 */
export async function billingProvidersFrom(s: ShieldSettings): Promise<BillingProviders> {
  const out: BillingProviders = { payments: {}, crms: {} };
  if (s.stripeSecretKey)
    out.payments.stripe = new StripePayments(
      stripeClient({
        ...stripeConfig.parse({ apiUrl: s.stripeApiUrl, timeoutMs: s.billingTimeoutMs }),
        secretKey: s.stripeSecretKey,
      }),
    );
  if (s.paypalClientId && s.paypalClientSecret) {
    const { PayPalPayments, paypalClient } = await import("./payments/paypal-payments.ts");
    out.payments.paypal = new PayPalPayments(
      paypalClient({
        clientId: s.paypalClientId,
        clientSecret: s.paypalClientSecret,
        environment: s.paypalEnvironment,
        timeoutMs: s.billingTimeoutMs,
        ...(s.paypalApiUrl ? { apiUrl: s.paypalApiUrl } : {}),
      }),
    );
  }
  if (s.zuoraClientId && s.zuoraClientSecret)
    out.payments.zuora = new ZuoraPayments({
      clientId: s.zuoraClientId,
      clientSecret: s.zuoraClientSecret,
      apiUrl: s.zuoraApiUrl,
      timeoutMs: s.billingTimeoutMs,
    });
  if (s.salesforceClientId && s.salesforceClientSecret && s.salesforceLoginUrl) {
    const { SalesforceCrm } = await import("./crm/salesforce-crm.ts");
    out.crms.salesforce = new SalesforceCrm({
      clientId: s.salesforceClientId,
      clientSecret: s.salesforceClientSecret,
      loginUrl: s.salesforceLoginUrl,
      timeoutMs: s.billingTimeoutMs,
    });
  }
  if (s.hubspotAccessToken) {
    const { HubSpotCrm, hubspotClient } = await import("./crm/hubspot-crm.ts");
    out.crms.hubspot = new HubSpotCrm(
      hubspotClient({
        accessToken: s.hubspotAccessToken,
        apiUrl: s.hubspotApiUrl,
        timeoutMs: s.billingTimeoutMs,
      }),
      s.billingTimeoutMs,
    );
  }
  return out;
}
