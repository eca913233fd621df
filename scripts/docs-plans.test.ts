import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { withPlans } from "./docs-plans.ts";

const DOC = fileURLToPath(new URL("../docs/plans.md", import.meta.url));

describe("docs/plans.md", () => {
  it("shows the catalog as it is (npm run docs:plans after changing a plan)", () => {
    const text = readFileSync(DOC, "utf8");
    expect(withPlans(text)).toBe(text);
    expect(text).toContain("| price a month | free | $99.00 | $299.00 | $2,499.00 |");
  });
});
