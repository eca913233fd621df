import type { PlanCatalog } from "../catalog.ts";

/** Every product's plans compared, from the catalog the API serves (`GET /plans`). */
export function Pricing({ catalog }: { catalog: PlanCatalog }) {
  return (
    <section id="pricing" aria-labelledby="pricing-title" className="section">
      <h2 id="pricing-title">Pricing</h2>
      <p className="lede">
        Each product has its own plans; a tenant subscribes to each on its own. Paid plans start
        with a 14-day free trial. The self-hosted monitor is free and open source.
      </p>
      {catalog.products.map((product) => (
        <div key={product.id} className="pricing-product">
          <h3 id={`plans-${product.id}`}>{product.label}</h3>
          <div className="table-scroll">
            <table aria-labelledby={`plans-${product.id}`} data-product={product.id}>
              <thead>
                <tr>
                  <td />
                  {product.plans.map((plan) => (
                    <th key={plan.id} scope="col" data-plan={plan.id}>
                      {plan.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {product.rows.map((row) => (
                  <tr key={row.label}>
                    <th scope="row">{row.label}</th>
                    {row.cells.map((cell, i) => (
                      <td key={product.plans[i]?.id ?? i} data-plan={product.plans[i]?.id}>
                        {cell}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </section>
  );
}
