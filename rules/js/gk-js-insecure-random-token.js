// Test target for gk-js-insecure-random-token (semgrep --test).
const crypto = require("crypto");

// ruleid: gk-js-insecure-random-token
const resetToken = Math.random().toString(36).slice(2);

function makeOtp() {
  // ruleid: gk-js-insecure-random-token
  return Math.floor(100000 + Math.random() * 900000).toString();
}

const generateSessionId = () => {
  // ruleid: gk-js-insecure-random-token
  return "s" + Math.random().toString(16).slice(2);
};

async function invite(user) {
  // ruleid: gk-js-insecure-random-token
  user.apiKey = Math.random().toString(36).substring(2, 15);
  await user.save();
  return {
    // ruleid: gk-js-insecure-random-token
    verificationCode: Math.floor(Math.random() * 1e6),
  };
}

function safe(items) {
  // ok: gk-js-insecure-random-token
  const token = crypto.randomBytes(32).toString("hex");
  // ok: gk-js-insecure-random-token
  const jitter = Math.random() * 100;
  // ok: gk-js-insecure-random-token
  const pick = items[Math.floor(Math.random() * items.length)];
  // ok: gk-js-insecure-random-token
  const otp = crypto.randomInt(100000, 1000000);
  return { token, jitter, pick, otp };
}

function shuffleColors(colors) {
  // ok: gk-js-insecure-random-token
  return colors.sort(() => Math.random() - 0.5);
}
