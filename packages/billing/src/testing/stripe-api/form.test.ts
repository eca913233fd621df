import { describe, expect, it } from "vitest";
import { decodeForm } from "./form.ts";

describe("decodeForm (Stripe's bracket notation)", () => {
  it("nests indexed arrays of hashes, hashes and [] arrays", () => {
    const body = [
      "customer=cus_1",
      "items[0][price]=price_a",
      "items[0][quantity]=2",
      "items[1][price]=price_b",
      "items[1][metadata][role]=seats",
      "metadata[plan]=pro",
      "metadata[tenant%20id]=t%2B1",
      "expand[]=latest_invoice",
      "expand[]=customer",
      "description=two+words",
      "cancel_at=",
    ].join("&");
    expect(decodeForm(body)).toEqual({
      customer: "cus_1",
      items: [
        { price: "price_a", quantity: "2" },
        { price: "price_b", metadata: { role: "seats" } },
      ],
      metadata: { plan: "pro", "tenant id": "t+1" },
      expand: ["latest_invoice", "customer"],
      description: "two words",
      cancel_at: "",
    });
  });

  it("orders indexes numerically and reads the SDK's expand[0] form", () => {
    expect(decodeForm("a[10]=k&a[2]=c&a[0]=x&expand[0]=data.product")).toEqual({
      a: ["x", "c", "k"],
      expand: ["data.product"],
    });
  });

  it("refuses a name used as a value and as a hash", () => {
    expect(() => decodeForm("metadata=x&metadata[a]=b")).toThrow(/both as a value and a hash/);
  });
});
