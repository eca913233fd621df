import { createTestDb } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "./db.ts";
import { activeModel, listModels, type NewModel, saveModel, saveModels } from "./ml-models-repo.ts";

const T = "ten_default";
let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db?.close());

function model(purpose: NewModel["purpose"], tag: string): NewModel {
  return {
    purpose,
    algorithm: "isolation-forest",
    features: ["a", "b"],
    windowStart: 1_000,
    windowEnd: 2_000,
    metrics: { tag },
    state: { tag },
  };
}

describe("ml_models", () => {
  it("numbers versions per purpose, keeps one active, and keeps the old ones", async () => {
    const v1 = await saveModel(db, T, model("anomaly", "first"), 10);
    const v2 = await saveModel(db, T, model("anomaly", "second"), 20);
    const f1 = await saveModel(db, T, model("forecast", "f"), 30);
    expect([v1.version, v2.version, f1.version]).toEqual([1, 2, 1]);
    expect((await activeModel(db, T, "anomaly"))?.state).toEqual({ tag: "second" });
    const all = await listModels(db, T);
    expect(all.map((m) => [m.purpose, m.version, m.active])).toEqual([
      ["forecast", 1, true],
      ["anomaly", 2, true],
      ["anomaly", 1, false],
    ]);
  });

  it("saves an anomaly model and its forecaster together, or neither", async () => {
    const broken = { ...model("forecast", "x"), purpose: "bogus" } as unknown as NewModel;
    await expect(saveModels(db, T, [model("anomaly", "third"), broken], 40)).rejects.toThrow();
    expect((await activeModel(db, T, "anomaly"))?.state).toEqual({ tag: "second" });
    const [a, f] = await saveModels(db, T, [model("anomaly", "third"), model("forecast", "g")], 50);
    expect([a?.version, f?.version]).toEqual([3, 2]);
  });
});
