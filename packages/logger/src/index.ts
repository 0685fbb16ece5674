export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  levelFromFlags,
  silentLogger,
  useColor,
} from './logger.js';
