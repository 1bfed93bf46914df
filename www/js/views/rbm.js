// The restricted Boltzmann machine shares the Boltzmann machines' page: views/boltzmann.js
// shows either.
export { mount } from './boltzmann.js';
