// The conditional GAN shares the GAN's page: views/gan.js adds the digit pickers and "same
// z, every digit" when the family is class-conditional.
export { mount } from './gan.js';
