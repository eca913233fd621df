import { AppError, seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { RandomForest } from "./random-forest.ts";

function problem(rows: number, seed: number, label: (a: number, b: number) => number) {
  const random = seededRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    x.push([a, b, random()]); // the third column is noise
    y.push(label(a, b));
  }
  return { x, y };
}

const separable = (a: number, b: number) => (a + 0.5 * b > 0.1 ? 1 : 0);
const xor = (a: number, b: number) => (a > 0 !== b > 0 ? 1 : 0);

function accuracy(forest: RandomForest, x: number[][], y: number[]): number {
  const predicted = forest.predict(x);
  return y.filter((c, i) => predicted[i] === c).length / y.length;
}

describe("RandomForest", () => {
  it("learns a linearly separable problem", () => {
    const train = problem(300, 1, separable);
    const test = problem(300, 2, separable);
    const forest = RandomForest.fit(train.x, train.y, { seed: 5, oobScore: true });
    expect(accuracy(forest, test.x, test.y)).toBeGreaterThan(0.95);
    expect(forest.oobScore).toBeGreaterThan(0.93);
    expect(forest.predictProbaOne([0.9, 0.9, 0.5])[1]).toBeGreaterThan(0.9);
    expect(forest.predictProbaOne([-0.9, -0.9, 0.5])[0]).toBeGreaterThan(0.9);
  });

  it("learns XOR, which no single axis split separates", () => {
    const train = problem(400, 3, xor);
    const test = problem(400, 4, xor);
    const forest = RandomForest.fit(train.x, train.y, { seed: 5 });
    expect(accuracy(forest, test.x, test.y)).toBeGreaterThan(0.93);
  });

  it("gives probabilities in [0, 1] summing to 1 per row", () => {
    const train = problem(200, 5, xor);
    const forest = RandomForest.fit(train.x, train.y, { trees: 30, minSamplesLeaf: 5 });
    const p = forest.predictProba(problem(100, 6, xor).x);
    expect(p.cols).toBe(2);
    for (let i = 0; i < p.rows; i++) {
      const a = p.data[2 * i] as number;
      const b = p.data[2 * i + 1] as number;
      expect(a).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(1);
      expect(a + b).toBeCloseTo(1, 12);
    }
  });

  it("is reproducible for a seed and differs across seeds", () => {
    const train = problem(200, 7, xor);
    const probe = problem(50, 8, xor).x;
    const a = RandomForest.fit(train.x, train.y, { seed: 9, trees: 20 }).predictProba(probe);
    const b = RandomForest.fit(train.x, train.y, { seed: 9, trees: 20 }).predictProba(probe);
    const c = RandomForest.fit(train.x, train.y, { seed: 10, trees: 20 }).predictProba(probe);
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
  });

  it("respects maxDepth: depth 0 predicts the class shares of each bootstrap", () => {
    const x = [[0], [1], [2], [3]];
    const forest = RandomForest.fit(x, [0, 0, 0, 1], { maxDepth: 0, bootstrap: false, trees: 3 });
    expect(Array.from(forest.predictProbaOne([3]))).toEqual([0.75, 0.25]);
    const deep = RandomForest.fit(x, [0, 0, 0, 1], { bootstrap: false, trees: 3 });
    expect(Array.from(deep.predictProbaOne([3]))).toEqual([0, 1]);
    expect(Array.from(deep.predictProbaOne([2.4]))).toEqual([1, 0]);
  });

  it("accepts boolean labels and more than two classes", () => {
    const x = [[0], [1], [2], [3], [4], [5]];
    const bools = RandomForest.fit(x, [false, false, false, true, true, true], {
      bootstrap: false,
    });
    expect(bools.predict([[0.2], [4.8]])).toEqual(Int32Array.from([0, 1]));
    const three = RandomForest.fit(x, [0, 0, 1, 1, 2, 2], { bootstrap: false, trees: 5 });
    expect(three.nClasses).toBe(3);
    expect(three.predict([[0], [2.5], [5]])).toEqual(Int32Array.from([0, 1, 2]));
  });

  it("round-trips through JSON with identical probabilities", () => {
    const train = problem(200, 11, xor);
    const forest = RandomForest.fit(train.x, train.y, { trees: 15, featureNames: ["a", "b", "c"] });
    const back = RandomForest.fromJSON(JSON.parse(JSON.stringify(forest)));
    const probe = problem(50, 12, xor).x;
    expect(back.predictProba(probe).data).toEqual(forest.predictProba(probe).data);
    expect(back.treeCount).toBe(15);
  });

  it("rejects corrupted JSON", () => {
    const json = RandomForest.fit([[0], [1], [2], [3]], [0, 0, 1, 1], { trees: 2 }).toJSON();
    const tree = json.trees[0];
    if (tree === undefined) throw new Error("no tree");
    const loop = { ...tree, left: tree.left.map((l) => (l > 0 ? 0 : l)) };
    expect(() => RandomForest.fromJSON({ ...json, trees: [loop] })).toThrow(/out of range/);
    expect(() => RandomForest.fromJSON({ ...json, nClasses: 1 })).toThrow(AppError);
  });

  it("rejects bad input", () => {
    expect(() => RandomForest.fit([[0], [1]], [0, 1, 1])).toThrow(/3 labels for 2 rows/);
    expect(() => RandomForest.fit([[0], [1]], [1, 1])).toThrow(/single class/);
    expect(() => RandomForest.fit([[0], [1]], [0, 0.5])).toThrow(/label 1/);
    expect(() => RandomForest.fit([[0], [Number.NaN]], [0, 1])).toThrow(/row 1, column 0 is NaN/);
    const forest = RandomForest.fit(
      [
        [0, 1],
        [1, 0],
      ],
      [0, 1],
      { trees: 2 },
    );
    expect(() => forest.predictProba([[1, 2, 3]])).toThrow(/3 columns, expected 2/);
    expect(() => forest.predictProbaOne([1])).toThrow(/1 values, expected 2/);
  });
});
