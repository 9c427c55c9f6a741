/** Environment variables of the Solvimon API (API keys and their permissions). */
export const solvimonEnvShape = {};
