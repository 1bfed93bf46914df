// l. What a hostile user tried, and what must happen:
// - lab.close() during a training run settles everything: the run ends in state 'closed' and
//   its `done` rejects, calls in flight (sample, evaluate, pause, stop) reject, later calls too,
//   each with an Error "the lab was closed: ..." whose `closed` is true;
// - `await run.stop()` returns once the run has stopped: state 'stopped', `done` settled, the
//   family free to train again at once (while starting, running or paused);
// - lab.loadPretrained / loadWeights of a family under an active training run are refused (in
//   genlab.js and in the worker), the run carries on, and they work once it is stopped;
// - null / undefined options mean the defaults, other non-objects are refused by name, and a
//   string where a number belongs is called a string;
// - family.html with an empty or unknown ?family= or an unknown ?backend= says so in #notice.
//
// Trainings here are a tiny VAE (latent 2, hidden 32, batch 8) stopped after a few steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

/** Opens a lab on the CPU in a blank page, and the helpers the tests use in the page. */
async function openLab(page) {
  await page.goto(`${env.url}__test/blank.html`);
  await page.evaluate(async () => {
    const { GenLab } = await import('/js/genlab.js');
    window.lab = await GenLab.open({ backend: 'cpu' });
    // A small, fast model; runs long enough never to end by themselves.
    window.SMALL = { params: { latent: 2, hidden: 32, batch: 8 }, steps: 1_000_000, chunk: 1, sampleEvery: 0, snapshotEvery: 0 };
    // How a promise (or a function's result, sync throws included) settles within `ms`.
    window.settle = (p, ms = 20_000) => {
      const promise = typeof p === 'function' ? (async () => p())() : p;
      return Promise.race([
        promise.then(
          () => ({ ok: true }),
          (e) => ({ ok: false, message: String(e?.message ?? e), closed: e?.closed === true }),
        ),
        new Promise((r) => setTimeout(() => r({ pending: true }), ms)),
      ]);
    };
    // Whether a promise has settled already (a 0 ms timer runs after every pending microtask).
    window.settledNow = (p) => Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('pending'), 0))]);
    // The step of the run's next progress report.
    window.nextProgress = (run, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no progress within ${ms} ms (state ${run.state})`)), ms);
        const off = run.on('progress', (p) => {
          clearTimeout(timer);
          off();
          resolve(p.step);
        });
        run.done.then(
          () => reject(new Error(`the run ended (${run.state}) before reporting progress`)),
          (e) => reject(new Error(`the run failed before reporting progress: ${e.message}`)),
        );
      });
  });
}

const CLOSED = /^the lab was closed\b/;

test('close() during a training run settles the run and every call, and later calls reject', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await openLab(page);
    const r = await page.evaluate(async () => {
      const { lab, settle } = window;
      const run = lab.train('vae', window.SMALL);
      const states = [];
      run.on('state', (s) => states.push(s.state));
      await window.nextProgress(run);
      const running = run.state;
      // Calls in flight in the worker: a long evaluation (never finished: the worker dies first)
      // and a sample queued behind it.
      const evaluation = settle(lab.evaluate('vae', { n: 5000, seed: 0 }));
      const sample = settle(lab.sample('vae', { n: 4, seed: 1 }));
      await new Promise((r) => setTimeout(r, 50));
      const inFlight = lab._pending.size;
      // And control calls still on their way.
      const pausing = settle(run.pause());
      const stopping = settle(run.stop());
      const done = settle(run.done);
      lab.close();
      const closedState = run.state; // at once, not after a message
      const out = {
        running, inFlight, closedState, active: run.active, labClosed: lab.closed,
        done: await done, sample: await sample, evaluation: await evaluation, pausing: await pausing, stopping: await stopping,
      };
      // Calls after close.
      out.later = {
        sample: await settle(lab.sample('vae', { n: 1 })),
        train: await settle(() => lab.train('vae', window.SMALL)),
        loadPretrained: await settle(lab.loadPretrained('vae')),
        testDigits: await settle(lab.testDigits([0])),
        stop: await settle(run.stop()),
        resume: await settle(run.resume()),
      };
      out.states = states;
      out.stateAfter = run.state;
      out.pendingLeft = lab._pending.size;
      lab.close(); // twice: nothing happens
      return out;
    });
    assert.equal(r.running, 'running');
    assert.ok(r.inFlight >= 2, `${r.inFlight} calls in flight when the lab closed`);
    assert.equal(r.closedState, 'closed', 'close() ends the run at once');
    assert.equal(r.active, false);
    assert.equal(r.labClosed, true);
    assert.equal(r.done.pending, undefined, 'run.done settled');
    assert.equal(r.done.ok, false, 'run.done rejects');
    assert.match(r.done.message, CLOSED);
    assert.match(r.done.message, /'vae' training run ended at step \d+/);
    assert.equal(r.done.closed, true, 'error.closed on run.done');
    for (const k of ['sample', 'evaluation', 'pausing', 'stopping']) {
      assert.equal(r[k].pending, undefined, `${k} settled`);
      assert.equal(r[k].ok, false, `${k} rejects`);
      assert.match(r[k].message, CLOSED, `${k}: ${r[k].message}`);
      assert.equal(r[k].closed, true, `${k}: error.closed`);
    }
    for (const [k, v] of Object.entries(r.later)) {
      assert.equal(v.ok, false, `${k} after close rejects`);
      assert.match(v.message ?? '', CLOSED, `${k} after close: ${v.message}`);
      assert.equal(v.closed, true, `${k} after close: error.closed`);
    }
    assert.equal(r.states.at(-1), 'closed', `states ${r.states}`);
    assert.equal(r.stateAfter, 'closed', 'nothing arriving later changes the state');
    assert.equal(r.pendingLeft, 0, 'no call left pending');
  });
});

test('await run.stop() returns a stopped run, and the family trains again at once', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await openLab(page);
    const r = await page.evaluate(async () => {
      const { lab, settledNow } = window;
      const out = {};
      // Running.
      const a = lab.train('vae', window.SMALL);
      await window.nextProgress(a);
      await a.stop();
      out.running = {
        state: a.state, active: a.active, done: await settledNow(a.done), doneState: (await a.done).state,
        weights: a.lastWeights?.length ?? 0, stepIsFinal: a.step === (await a.done).step,
      };
      out.stopAgain = (await window.settle(a.stop())).ok; // a second stop does nothing
      // Again at once: a short run that ends by itself.
      const b = lab.train('vae', { ...window.SMALL, steps: 3 });
      out.again = await window.settle(b.done);
      out.againState = b.state;
      out.againStep = b.step;
      // Stopped while starting (before the worker has a model for it).
      const c = lab.train('vae', window.SMALL);
      out.startingBefore = c.state;
      await c.stop();
      out.starting = { state: c.state, done: await settledNow(c.done), doneState: (await c.done).state };
      // Paused, then stopped.
      const d = lab.train('vae', window.SMALL);
      await window.nextProgress(d);
      await d.pause();
      out.pausedBefore = d.state;
      await d.stop();
      out.paused = { state: d.state, done: await settledNow(d.done) };
      // And once more, to the end.
      const e = lab.train('vae', { ...window.SMALL, steps: 2 });
      out.last = (await e.done).state;
      return out;
    });
    assert.equal(r.running.state, 'stopped', 'state right after await stop()');
    assert.equal(r.running.active, false);
    assert.equal(r.running.done, 'resolved', 'run.done has settled when stop() returns');
    assert.equal(r.running.doneState, 'stopped');
    assert.ok(r.running.weights > 1000, `the stop's snapshot is in lastWeights (${r.running.weights} bytes)`);
    assert.ok(r.running.stepIsFinal, 'step is the step it stopped at');
    assert.equal(r.stopAgain, true);
    assert.equal(r.again.ok, true, `training again right after stop(): ${r.again.message}`);
    assert.equal(r.againState, 'done');
    assert.equal(r.againStep, 3);
    assert.equal(r.startingBefore, 'starting');
    assert.deepEqual(r.starting, { state: 'stopped', done: 'resolved', doneState: 'stopped' });
    assert.equal(r.pausedBefore, 'paused');
    assert.deepEqual(r.paused, { state: 'stopped', done: 'resolved' });
    assert.equal(r.last, 'done');
  });
});

test('loading weights under an active training run of the family is refused; after stop() it works', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await openLab(page);
    const r = await page.evaluate(async () => {
      const { lab, settle } = window;
      const pretrained = await lab.exportWeights('vae');
      const samplePixels = async () => Array.from((await lab.sample('vae', { n: 2, seed: 5 })).pixels);
      const before = await samplePixels();
      const out = {};
      // Refused while starting already.
      const starting = lab.train('vae', window.SMALL);
      out.whileStarting = await settle(lab.loadPretrained('vae'));
      await starting.stop();
      const run = lab.train('vae', window.SMALL);
      await window.nextProgress(run);
      out.pretrained = await settle(lab.loadPretrained('vae'));
      out.weights = await settle(lab.loadWeights('vae', pretrained));
      out.arrayBuffer = await settle(lab.loadWeights('vae', pretrained.slice().buffer));
      // The worker refuses too, for callers that bypass genlab.js's check.
      out.workerPretrained = await settle(lab._call('loadPretrained', { family: 'vae' }));
      out.workerWeights = await settle(lab._call('loadWeights', { family: 'vae', bytes: pretrained.slice() }));
      // Another family's model is not in the way.
      out.otherFamily = await settle(lab.loadPretrained('gan'));
      // The run carries on.
      out.stateDuring = run.state;
      const stepBefore = run.step;
      out.carriesOn = (await window.nextProgress(run)) > stepBefore;
      await run.stop();
      out.after = await settle(lab.loadPretrained('vae'));
      out.restored = (await samplePixels()).every((v, i) => v === before[i]);
      // And loadWeights after a stop, too.
      const run2 = lab.train('vae', window.SMALL);
      await window.nextProgress(run2);
      await run2.stop();
      out.afterWeights = await settle(lab.loadWeights('vae', pretrained));
      out.restoredWeights = (await samplePixels()).every((v, i) => v === before[i]);
      return out;
    });
    const refused = /a training run of 'vae' is active: stop it first/;
    for (const k of ['whileStarting', 'pretrained', 'weights', 'arrayBuffer', 'workerPretrained', 'workerWeights']) {
      assert.equal(r[k].ok, false, `${k} is refused`);
      assert.match(r[k].message ?? '', refused, `${k}: ${r[k].message}`);
    }
    assert.match(r.pretrained.message, /before loading the pretrained weights/);
    assert.match(r.weights.message, /before loading weights/);
    assert.equal(r.otherFamily.ok, true, `loadPretrained('gan') during a VAE run: ${r.otherFamily.message}`);
    assert.equal(r.stateDuring, 'running', 'the run was not disturbed');
    assert.ok(r.carriesOn, 'the run trains on');
    assert.equal(r.after.ok, true, `loadPretrained after stop(): ${r.after.message}`);
    assert.ok(r.restored, 'the pretrained model is back: same samples as before training');
    assert.equal(r.afterWeights.ok, true, `loadWeights after stop(): ${r.afterWeights.message}`);
    assert.ok(r.restoredWeights, 'the loaded weights are the model');
  });
});

test('options: null and undefined mean defaults; non-objects and strings for numbers are named', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await openLab(page);
    const r = await page.evaluate(async () => {
      const { lab, settle } = window;
      const shape = async (p) => {
        try {
          const s = await p;
          return { n: s.n, len: (s.pixels ?? s.codes).length };
        } catch (e) {
          return { error: e.message };
        }
      };
      return {
        nullOpts: await shape(lab.sample('vae', null)),
        undefinedOpts: await shape(lab.sample('vae', undefined)),
        latentNull: await shape(lab.latentCodes('vae', null)),
        number: await settle(lab.sample('vae', 16)),
        string: await settle(lab.sample('vae', 'n=4')),
        array: await settle(lab.sample('vae', [4])),
        trainNumber: await settle(() => lab.train('vae', 5)),
        nString: await settle(lab.sample('vae', { n: '16' })),
        seedString: await settle(lab.sample('vae', { seed: '1' })),
        labelString: await settle(lab.sample('cgan', { n: 2, label: '3' })),
        settingString: await settle(lab.sample('ddpm', { n: 1, steps: '20' })),
        hyperString: await settle(() => lab.train('vae', { params: { latent: '2' }, steps: 1 })),
        familyNull: await settle(lab.sample(null)),
        nFloat: await settle(lab.sample('vae', { n: 2.5 })),
        extentString: await settle(lab.manifold('vae', { extent: '2' })),
      };
    });
    assert.deepEqual(r.nullOpts, { n: 16, len: 16 * 784 }, 'sample(vae, null) draws the default 16');
    assert.deepEqual(r.undefinedOpts, { n: 16, len: 16 * 784 });
    assert.equal(r.latentNull.n, 1, `latentCodes(vae, null): ${r.latentNull.error}`);
    assert.match(r.number.message ?? '', /the options of lab\.sample must be an object such as \{n: 16, seed: 1\}, got 16$/);
    assert.match(r.string.message ?? '', /the options of lab\.sample must be an object .*, got the string "n=4"$/);
    assert.match(r.array.message ?? '', /the options of lab\.sample must be an object .*, got an array$/);
    assert.match(r.trainNumber.message ?? '', /the options of lab\.train must be an object .*, got 5$/);
    assert.match(r.nString.message ?? '', /^invalid parameter: n must be a number, got the string "16"$/);
    assert.match(r.seedString.message ?? '', /seed must be a number, got the string "1"$/);
    assert.match(r.labelString.message ?? '', /label must be a number, got the string "3"$/);
    assert.match(r.settingString.message ?? '', /'steps' must be a number, got the string "20"$/);
    assert.match(r.hyperString.message ?? '', /'latent' must be a number, got the string "2"$/);
    assert.match(r.familyNull.message ?? '', /family must be a family's name \(known: vae, .*\), got null$/);
    assert.match(r.nFloat.message ?? '', /n must be a whole number, got 2\.5$/);
    assert.match(r.extentString.message ?? '', /extent must be a number, got the string "2"$/);
  });
});

test('family.html names an empty or unknown ?family= and an unknown ?backend= in #notice', { timeout: 180_000 }, async () => {
  const notice = async (page) => ((await page.locator('#notice').isVisible()) ? (await page.locator('#notice').textContent()).trim() : '');
  for (const [query, shown] of [['family=', '""'], ['family=nope', '"nope"']]) {
    await withPage(env.browser, async (page) => {
      await page.goto(`${env.url}family.html?${query}&backend=cpu`);
      await waitReady(page);
      const text = await notice(page);
      const families = await page.evaluate(() => window.genlab.families().map((f) => f.name));
      assert.ok(text.includes(`Unknown family ${shown} — showing vae (Variational autoencoder) instead. Families: ${families.join(', ')}`), `?${query}: ${text}`);
      assert.doesNotMatch(text, /Unknown backend/, `?${query}: backend=cpu is fine`);
      // A link to each registered family, keeping the backend.
      const links = await page.locator('#notice a').evaluateAll((as) => as.map((a) => ({ text: a.textContent, href: a.getAttribute('href') })));
      assert.deepEqual(links.map((l) => l.text), families);
      for (const { text: name, href } of links) {
        assert.match(href, new RegExp(`[?&]family=${encodeURIComponent(name)}(&|$)`), `${name}: ${href}`);
        assert.match(href, /[?&]backend=cpu\b/, `${name}: ${href}`);
      }
      // The VAE is what is shown.
      assert.match(await page.locator('h1').textContent(), /autoencoder/i);
      assert.equal(await page.locator('#error').isVisible(), false, 'no error: the page works');
    });
  }
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&backend=bogus`);
    await waitReady(page);
    const text = await notice(page);
    assert.match(text, /Unknown backend "bogus": using auto \(choices: auto, webgpu, cpu\)/, text);
    assert.doesNotMatch(text, /Unknown family/, 'family=vae is fine');
    assert.equal(await page.locator('#backend-select').inputValue(), 'auto');
    assert.equal(await page.locator('#error').isVisible(), false);
  });
});
