export { startArmSimulator, type ArmSimulator, type ArmSimulatorOptions, type RequestLogEntry } from './server';
export { FaultInjector, type FailOptions, type ThrottleOptions } from './faults';
export { SimulatorState } from './state';
export { loadScenarioFile, parseScenario, ScenarioError, type Scenario, type ScenarioInput } from './scenario';
export { backupFailure, defaultFailures, RESTORE_POINT_LIMIT } from './backup-outcome';
