import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../vitest.shared.js"

/** The cross-package suites start real servers and child processes: one file at a time. */
export default mergeConfig(
  shared,
  defineConfig({ test: { include: ["contracts/**/*.test.ts", "e2e/**/*.test.ts", "package/**/*.test.ts", "learn/**/*.test.ts", "bench/**/*.test.ts"], fileParallelism: false } })
)
