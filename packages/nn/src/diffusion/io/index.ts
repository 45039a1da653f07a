/** Loading and saving diffusers model folders. @module */
export { loadUNet, loadVAE, loadSchedulerConfig, saveUNet, saveVAE } from "./models.js";
export { loadDiffusersComponent, checkDiffusersStateDict, type DiffusersLoadOptions, type LoadedDiffusersComponent } from "./load.js";
export { saveDiffusersComponent, type DiffusersSaveOptions } from "./save.js";
