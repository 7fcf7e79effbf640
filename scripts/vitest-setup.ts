// Vitest setup of the repository's test run: the kit's matchers, imported by their package entry
// as a user's project does (vitest.config.ts resolves it to the sources through the "filterkit-source"
// condition; vitest takes setup files as paths, hence this one-line file).
import "@filterkit/host-mock/matchers";
