// The deep Boltzmann machine shares the Boltzmann machines' page: views/boltzmann.js shows
// either (the DBM with its two hidden layers' states).
export { mount } from './boltzmann.js';
