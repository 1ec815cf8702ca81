// logic: devices and presence, per-user sequences, messages, sync and acknowledgements, live fan-out.
export { LogicConfig } from './lib/logic.config';
export { startLogic, type RunningLogic, type LogicOptions } from './lib/start-logic';
