/** Jest runs TypeScript as ESM: execa and yargs ship only ESM. Type-checking is `tsc --noEmit`'s job. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/parsers'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }],
  },
  testMatch: ['**/*.test.ts'],
  testTimeout: 30000,
};
