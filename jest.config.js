// Three layers of the test pyramid (architecture.md): pure rules, workflows on the
// time-skipping server, and integration on the real dev server + FerretDB.
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  preset: 'ts-jest',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  // The web workspace's modules (web/) are browser ES modules: ts-jest turns them into CommonJS.
  transform: { '^.+\\.tsx?$': 'ts-jest', '/web/.+\\.js$': 'ts-jest' },
  ...extra,
});

module.exports = {
  testTimeout: 120_000,
  // Two test files at a time even on 2 cores: most of a file's time is spent waiting on the servers
  // (Temporal, FerretDB, the JVM), and each file has its own namespace and database on them.
  maxWorkers: 2,
  projects: [
    project('unit'),
    project('workflows', {
      globalSetup: '<rootDir>/test/helpers/global-setup-workflows.ts',
    }),
    project('integration', {
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    }),
  ],
};
