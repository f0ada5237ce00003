// The settings feature's public face: language, model choice and import, and model names.
export { LanguageSwitch } from './LanguageSwitch';
export { ModelChoice } from './ModelChoice';
export { modelLicence, modelName } from './model-name';
export { saveModel, savedModel } from './model-choice';
