// Test target for gk-js-redos-pattern (semgrep --test).

// ruleid: gk-js-redos-pattern
const valid = /([0-9]+)+\#/.test(bankRouting);

// ruleid: gk-js-redos-pattern
const words = input.match(/^(\w+\s?)*$/);

// ruleid: gk-js-redos-pattern
const re = new RegExp("^(a+)+$");

// ruleid: gk-js-redos-pattern
const regexPattern = /([0-9]+)+\#/;

// ok: gk-js-redos-pattern
const fine = /^[0-9]+#$/.test(bankRouting);

// ok: gk-js-redos-pattern
const message = "(a+)+ is a bad pattern";

// ok: gk-js-redos-pattern
const arithmetic = a / (b + c) * 2;

// ok: gk-js-redos-pattern
const stripped = input.replace(/(ab)+/g, "");

// ok: gk-js-redos-pattern
const bounded = /^(?:[a-z]{1,8}-)?[a-z]+$/.test(name);
