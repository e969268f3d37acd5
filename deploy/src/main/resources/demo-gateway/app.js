'use strict';
// The demo gateway's page. Every call goes to this page's own backend (/demo/...), which holds the gateway's
// credentials and calls Keystep; the browser only creates the passkey and signs with it. Each step writes its outcome
// into an element of its own (a test reads them), and any failure into #error.

const $ = (id) => document.getElementById(id);

function log(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toISOString().substring(11, 19)}  ${text}`;
  $('log').append(item);
}

async function call(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  log(`${path} -> ${response.status}`);
  return { ok: response.ok, status: response.status, json };
}

async function expectOk(path, body) {
  const answer = await call(path, body);
  if (!answer.ok) {
    const detail = (answer.json && (answer.json.detail || answer.json.title)) || 'no detail';
    throw new Error(`${path} answered ${answer.status}: ${detail}`);
  }
  return answer.json;
}

// WebAuthn's JSON forms. Chromium has parse*OptionsFromJSON and toJSON(); the rest decodes by hand.
function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  let binary = '';
  new Uint8Array(buffer).forEach((byte) => { binary += String.fromCharCode(byte); });
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// A server's JSON may carry nulls for absent members, which the browser's dictionaries refuse.
function withoutNulls(value) {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

// Options may come as {publicKey: {...}} (as navigator.credentials takes them) or as the inner object.
function unwrap(options) {
  return withoutNulls(options && options.publicKey ? options.publicKey : options);
}

function withIds(list) {
  return (list || []).map((descriptor) => ({ ...descriptor, id: fromBase64url(descriptor.id) }));
}

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: withIds(json.excludeCredentials),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: fromBase64url(json.challenge), allowCredentials: withIds(json.allowCredentials) };
}

function credentialJson(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

function userId() {
  return $('user-id').value.trim();
}

// Runs one step: clears its outputs, disables the buttons meanwhile, and turns a failure into #error and `failed`.
async function step(name, outputs, work) {
  outputs.forEach((id) => { $(id).textContent = ''; });
  $('error').textContent = '';
  document.querySelectorAll('button').forEach((button) => { button.disabled = true; });
  try {
    await work();
  } catch (e) {
    $('error').textContent = `${name}: ${e.name}: ${e.message}`;
    log(`${name} failed: ${e.name}: ${e.message}`);
    outputs.forEach((id) => { if (!$(id).textContent) $(id).textContent = 'failed'; });
  } finally {
    document.querySelectorAll('button').forEach((button) => { button.disabled = false; });
  }
}

function signUp() {
  return step('sign up', ['signup-result'], async () => {
    const answer = await expectOk('/demo/signup', { userId: userId() });
    $('signup-result').textContent = 'signed up';
    log(`${answer.userId} passed the first factor at ${answer.firstFactorAt}`);
  });
}

function enroll() {
  return step('enroll', ['enroll-result'], async () => {
    $('recovery').hidden = true;
    const options = await expectOk('/demo/passkeys/options', { userId: userId() });
    const credential = await navigator.credentials.create({ publicKey: creationOptions(unwrap(options)) });
    log(`the browser created passkey ${credential.id}`);
    const factor = await expectOk('/demo/passkeys',
      { userId: userId(), credential: credentialJson(credential), label: $('label').value });
    $('enroll-result').textContent = 'enrolled';
    log(`Keystep keeps it as factor ${factor.factorId || '(no id)'}`);
    const codes = factor.recoveryCodes || [];
    if (codes.length) {
      $('recovery-codes').replaceChildren(...codes.map((code) => {
        const item = document.createElement('li');
        item.textContent = code;
        return item;
      }));
      $('recovery').hidden = false;
    }
  });
}

function logIn() {
  return step('log in', ['login-id', 'decision', 'factor', 'status'], async () => {
    const decision = await expectOk('/demo/login', { userId: userId() });
    $('login-id').textContent = decision.loginId;
    $('decision').textContent = decision.decision;
    $('factor').textContent = decision.factor || '-';
    log(`login ${decision.loginId}: ${decision.decision} ${JSON.stringify(decision.reasons || [])}`);
    if (decision.decision !== 'CHALLENGE') {
      $('status').textContent = decision.decision === 'ALLOW' ? 'allowed without a challenge' : 'denied';
      return;
    }
    if (!decision.passkeyOptions) {
      throw new Error(`the challenge asks for ${decision.factor}; this demo answers passkeys only`);
    }
    const assertion = await navigator.credentials.get({ publicKey: requestOptions(unwrap(decision.passkeyOptions)) });
    log(`the browser signed the challenge with passkey ${assertion.id}`);
    const check = await call('/demo/check', { challengeId: decision.challengeId, credential: credentialJson(assertion) });
    if (check.ok) {
      $('status').textContent = check.json.status;
      log(`check: ${JSON.stringify(check.json)}`);
    } else {
      $('status').textContent = `refused (${check.status})`;
      $('error').textContent = `check: ${(check.json && check.json.detail) || check.status}`;
    }
  });
}

document.addEventListener('DOMContentLoaded', () => {
  $('signup').addEventListener('click', signUp);
  $('enroll').addEventListener('click', enroll);
  $('login').addEventListener('click', logIn);
  if (!window.PublicKeyCredential) {
    $('error').textContent = 'This browser has no WebAuthn here (passkeys need https or localhost).';
  }
});
