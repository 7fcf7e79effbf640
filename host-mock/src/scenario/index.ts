// Public exports of @filterkit/host-mock/scenario: the scenario format (a JSON document of plugins,
// requests and expectations run alike on the mock host and in real Envoy), its parser, the mock
// runner, and the expectation checker both runners' outcomes go through.
export { parseScenario, expectationsOf, hasExpectations, requestOf, ScenarioError, SCENARIO_SCHEMA } from "./format.ts";
export type { Scenario, ScenarioPlugin, ScenarioRequest, ScenarioResult, ScenarioUpstream } from "./format.ts";
export { checkExpectations, expectedLogsPresent, formatExpectationFailures, levelName, logMatches, textMatches } from "./expect.ts";
export type {
  ExpectationFailure, HeaderExpectation, HeaderExpectations, LogExpectation, LogLevelName, RequestExpectation, RunExpectation,
  RunOutcome, ScenarioExpectations, ScenarioLog, TextMatch, UpstreamExpectation,
} from "./expect.ts";
export { mockOutcome, runOnMock, runRequest, startPlugins, SCENARIO_PROPERTIES } from "./run-mock.ts";
export { clientHeaders, clientWireHead, upstreamWireHead } from "./peers.ts";
export type { RequestShape } from "./peers.ts";
