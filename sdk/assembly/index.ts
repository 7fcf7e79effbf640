export { LogLevel as LogLevelValues, LogLevel } from "./abi/enums";
