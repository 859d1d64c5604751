export { loadConfig, buildConfig } from './load.js';
export { validateConfig, resolveAuthMode, type ParsedSettings, type AuthMode } from './validate.js';
export { SETTINGS, type SettingInfo } from './settings.js';
export { describeConfig } from './describe.js';
export { CLOUD_PRESETS, isMicrosoftAuthority } from './clouds.js';
export { ConfigError } from './source.js';
