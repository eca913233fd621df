import { describe, expect, it } from "vitest";
import { keyAllocator } from "./keys.ts";

describe("keyAllocator", () => {
  it("keeps the first key and numbers repeats in order", () => {
    const key = keyAllocator();
    expect(key("20260526-SKP Token")).toBe("20260526-SKP Token");
    expect(key("20260526-Other")).toBe("20260526-Other");
    expect(key("20260526-SKP Token")).toBe("20260526-SKP Token#2");
    expect(key("20260526-SKP Token")).toBe("20260526-SKP Token#3");
  });
});
