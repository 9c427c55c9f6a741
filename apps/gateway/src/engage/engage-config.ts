/** Environment variables of the Engage Digital API. */
export const engageEnvShape = {};
