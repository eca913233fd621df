/**
 * The currencies outcome billing charges in: ISO 4217 currencies whose minor unit is the
 * hundredth, as the invoice's integer cents and every payment provider count them. Refused:
 * - ISO 4217's currencies with 0, 3 or 4 decimal places (an invoice in cents would charge a yen
 *   client 100 times the amount), and the funds and metals without a minor unit;
 * - two-decimal currencies a provider counts otherwise: HUF and TWD (PayPal takes no decimals,
 *   Stripe whole units only) and MGA (a Stripe zero-decimal currency).
 * Sources: ISO 4217 list one (SIX, 2025), docs.stripe.com/currencies, PayPal's currency codes.
 */
const NOT_IN_CENTS: ReadonlySet<string> = new Set(
  [
    // 0 decimal places
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    // 3 and 4 decimal places
    "BHD IQD JOD KWD LYD OMR TND CLF UYW",
    // no minor unit: gold, silver, platinum, palladium, SDR, bond units, test and no currency
    "XAU XAG XPT XPD XDR XBA XBB XBC XBD XSU XUA XTS XXX",
    // two decimal places that a provider counts otherwise
    "HUF TWD MGA",
  ].flatMap((codes) => codes.split(" ")),
);

/** The ISO 4217 codes this runtime knows (ICU's list, current currencies). */
let known: ReadonlySet<string> | null = null;

/**
 * Why outcome billing cannot charge in `currency` (lower-case ISO 4217), or null when it can.
 */
export function centsCurrencyProblem(currency: string): string | null {
  const code = currency.toUpperCase();
  known ??= new Set(Intl.supportedValuesOf("currency"));
  if (!/^[a-z]{3}$/.test(currency) || !known.has(code))
    return `${currency} is not an ISO 4217 currency code in lower case, e.g. usd`;
  if (NOT_IN_CENTS.has(code))
    return `${currency} is not billed in cents (its minor unit is not the hundredth, or a payment provider counts it otherwise): outcome billing charges two-decimal currencies such as usd, eur or gbp`;
  return null;
}
