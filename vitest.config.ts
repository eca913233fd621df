import { defineConfig } from "vitest/config";

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "bench/**/*.test.ts"],
          exclude: ["**/*.live.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          ...shared,
          name: "live",
          include: ["**/*.live.test.ts"],
          exclude: ["**/node_modules/**"],
        },
      },
    ],
  },
});
