/**
 * Test settings every workspace shares. The machines that run CI are small and shared, so property
 * and end-to-end tests get generous time limits; speed is measured by `npm run bench`, never by a
 * test's timeout. Under CI each workspace also writes a JSON report, which `.ci/run` totals.
 */
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    ...(process.env["CI"] === "true"
      ? { reporters: ["default", "json"], outputFile: { json: ".vitest-results.json" } }
      : {})
  }
})
