// Matching conditions shared by the kit's filters: string matchers (Envoy's StringMatcher shapes)
// and condition trees over the request and response (see condition.ts for the configuration shape).
export { MatchKind, StringMatcher } from "./string-matcher";
export { Condition, ConditionKind, MAX_CONDITION_DEPTH } from "./condition";
export { MatchInput, PairsMatchInput, StreamMatchInput, HostRequestMatchInput } from "./input";
