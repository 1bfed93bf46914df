// What every family view shares around its own panels: the training, evaluate and weights
// panels wired to one "the model changed" refresh, and the order the first pictures come in
// (the samples, then body[data-ready], then the rest, one call after another since the worker
// runs one at a time). A view builds its panels, hands them to `show`, and ends with `start`:
//
//   const view = await openView(root, lab, info);
//   const grid = ...; // the view's own panels
//   const { training, evaluation, weights } = view.modelPanels({ training: {...}, evaluate: {...} });
//   view.show(samplesPanel, training.node, evaluation.node, weights.node);
//   return view.start({ first: () => drawSamples(seed.read()), then: [drawRest] });

import { evaluatePanel } from './evaluate.js';
import { guard, showError } from './page.js';
import { trainingPanel } from './training.js';
import { weightsPanel } from './weights.js';

/**
 * Opens a view of `info`'s family in `root`. The pretrained model's hyper-parameters are
 * asked for first: if the lab closes meanwhile (a backend switch), nothing has been built yet
 * that would need cleaning up.
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function openView(root, lab, info) {
  return new View(root, lab, info, await lab.config(info.name));
}

/**
 * A step of drawing: `config` is the model's hyper-parameters, `why` what changed it
 * ('pretrained' for the first pictures, 'trained' when a run ended, 'reset', 'loaded').
 * @typedef {(config: Object<string, number|string>, why: 'pretrained'|'trained'|'reset'|'loaded') => (Promise<void>|void)} Step
 */

class View {
  constructor(root, lab, info, pretrained) {
    this.root = root;
    this.lab = lab;
    this.info = info;
    /** The pretrained model's hyper-parameters. */
    this.pretrained = pretrained;
    this._cleanups = [];
    /** @type {Step[]} */
    this._refresh = [];
    this.weights = null;
  }

  /** Keeps `part` (anything with a destroy()) to destroy when the view goes; returns it. */
  own(part) {
    this._cleanups.push(() => part.destroy());
    return part;
  }

  /**
   * The panels at the foot of every view, wired together: loading weights waits for training
   * to stop, and whenever the model changes (a run ends, a reset, a file loaded) the weights
   * line says so and the view redraws (`start`'s `refresh` steps).
   * @param {{training: object, evaluate: object}} options  trainingPanel's options (without
   *   pretrained and onModelChanged) and evaluatePanel's
   */
  modelPanels({ training: trainingOptions, evaluate }) {
    const refresh = async (why) => {
      const config = await this.lab.config(this.info.name);
      this.weights.show(config, why === 'reset' ? 'pretrained' : '');
      for (const step of this._refresh) await guard(() => step(config, why));
    };
    const training = this.own(
      trainingPanel(this.lab, this.info, {
        ...trainingOptions,
        pretrained: this.pretrained,
        onModelChanged: (why) => refresh(why === 'reset' ? 'reset' : 'trained'),
      }),
    );
    // The weights panel names a loaded file itself (its line keeps "from 'FILE'"): only redraw.
    this.weights = weightsPanel(this.lab, this.info, {
      busy: () => training.active,
      onLoaded: async (config) => {
        for (const step of this._refresh) await guard(() => step(config, 'loaded'));
      },
    });
    const evaluation = this.own(evaluatePanel(this.lab, this.info, evaluate));
    return { training, evaluation, weights: this.weights };
  }

  /** Puts the view's panels in the page. */
  show(...nodes) {
    this.root.classList.add('view', `view-${this.info.name}`);
    this.root.append(...nodes);
  }

  /**
   * Draws the first pictures: `first` (the samples; the page is ready, body[data-ready] = '1',
   * once they are on screen, 'error' if they fail), then each of `then` in turn, each error
   * shown without stopping the others.
   * @param {{first: Step, then?: Step[], refresh?: Step[]}} steps  refresh: what to redraw when the
   *   model changes (default: first, then the rest)
   * @returns {Promise<() => void>} the clean-up, for the page to call before a backend switch
   */
  async start({ first, then = [], refresh = [first, ...then] }) {
    this._refresh = refresh;
    this.weights?.show(this.pretrained, 'pretrained');
    try {
      await first(this.pretrained, 'pretrained');
      document.body.dataset.ready = '1';
    } catch (e) {
      showError(e);
      // A backend switch closes the lab under a view still drawing: not a failure of the page.
      if (!e?.closed) document.body.dataset.ready = 'error';
    }
    (async () => {
      for (const step of then) await guard(() => step(this.pretrained, 'pretrained'));
    })();
    return () => {
      for (const c of this._cleanups) c();
    };
  }
}
