/** The one function of parse-prometheus-text-format the tests use (the package ships no types). */
declare module "parse-prometheus-text-format" {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
