/* The door page (#door): scan QR codes with the phone's camera (jsQR, loaded before) or type a
 * code; each is posted to the check-in API. While the phone is offline, or when a post fails,
 * the scan is kept in localStorage with its time and uploaded in one batch when the network is
 * back. The server counts each registration once, so an upload repeated after a lost answer is
 * harmless. */
(function () {
  "use strict";
  const root = document.getElementById("door");
  if (!root) return;
  const d = root.dataset;
  const storeKey = "genxi.checkin.queue." + d.session;
  const results = document.getElementById("door-results");
  const queueBox = document.getElementById("queue");
  const queueList = document.getElementById("door-queue");
  const queueCount = document.getElementById("door-queue-count");
  const count = document.getElementById("door-count");
  const status = document.getElementById("scanner-status");
  const video = document.getElementById("scanner-video");
  const canvas = document.getElementById("scanner-canvas");
  const startButton = document.getElementById("scanner-start");
  const stopButton = document.getElementById("scanner-stop");
  const form = document.getElementById("code-form");
  const chips = {
    checked_in: ["status status-resolved", d.tCheckedIn],
    already: ["chip warn", d.tAlready],
    refused: ["chip danger", d.tRefused],
    queued: ["chip", d.tQueued],
  };

  function loadQueue() {
    try {
      const items = JSON.parse(localStorage.getItem(storeKey) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function saveQueue(items) {
    if (items.length) localStorage.setItem(storeKey, JSON.stringify(items));
    else localStorage.removeItem(storeKey);
    drawQueue();
  }

  function drawQueue() {
    const items = loadQueue();
    queueList.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = d.tQueued;
      li.append(chip, " " + shortCode(item.code) + " ");
      const when = document.createElement("span");
      when.className = "muted small";
      when.textContent = hhmm(new Date(item.at));
      li.append(when);
      return li;
    }));
    queueBox.hidden = items.length === 0;
    queueCount.textContent = String(items.length);
  }

  function hhmm(date) {
    return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
  }

  function shortCode(text) {
    // A QR's text is GX1:<code>:<mac>; show the code only.
    const parts = String(text).split(":");
    return parts.length === 3 ? parts[1] : String(text).slice(0, 20);
  }

  function show(result, message) {
    const [cls, label] = chips[result] || chips.refused;
    const li = document.createElement("li");
    li.className = "result-" + result;
    const chip = document.createElement("span");
    chip.className = cls;
    chip.textContent = label;
    li.append(chip, " " + message);
    results.prepend(li);
    while (results.children.length > 10) results.lastElementChild.remove();
  }

  function setCount(data) {
    if (data && data.count != null && data.registered != null) {
      count.textContent = data.count + " / " + data.registered;
      count.dataset.count = String(data.count);
    }
  }

  function enqueue(code, at) {
    const items = loadQueue();
    items.push({code: code, at: at});
    saveQueue(items);
    show("queued", shortCode(code) + " · " + d.tQueuedNote);
  }

  async function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": d.csrf, "Accept-Language": document.documentElement.lang || "zh-hans"},
      body: JSON.stringify(body),
    });
  }

  async function checkIn(code, source) {
    const at = new Date().toISOString();
    if (!navigator.onLine) {
      enqueue(code, at);
      return;
    }
    let answer;
    try {
      answer = await post(d.api, {code: code, source: source});
    } catch (e) {
      enqueue(code, at);  // the network failed on the way
      return;
    }
    if (answer.status >= 500 || answer.status === 429) {
      enqueue(code, at);
      return;
    }
    const data = await answer.json();
    if (answer.ok) {
      show(data.result, data.message);
      setCount(data);
    } else {
      show("refused", data.message || String(answer.status));
    }
    upload();
  }

  let uploading = false;
  async function upload() {
    if (uploading || !navigator.onLine) return;
    const batch = loadQueue().slice(0, 500);
    if (!batch.length) return;
    uploading = true;
    try {
      const answer = await post(d.batch, batch);
      if (answer.ok) {
        const data = await answer.json();
        // Scans queued while this upload ran stay for the next one.
        saveQueue(loadQueue().slice(batch.length));
        // The "queued" lines give way to the server's answers.
        results.querySelectorAll("li.result-queued").forEach((li) => li.remove());
        data.results.forEach((r) => show(r.result, r.message));
        setCount(data);
        if (loadQueue().length) setTimeout(upload, 0);
      } else if (answer.status < 500 && answer.status !== 429) {
        // The server refused the whole batch (e.g. logged out): say so, keep the queue.
        const data = await answer.json().catch(() => ({}));
        show("refused", data.message || String(answer.status));
      }
    } catch (e) {
      // Still offline: the next "online" event or the timer tries again.
    } finally {
      uploading = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.querySelector("input[name=code]");
    const code = input.value.trim();
    if (!code) return;
    input.value = "";
    checkIn(code, "code");
    input.focus();
  });

  // The camera: one frame every 150 ms through jsQR. The same code in view is sent once; it is
  // sent again only after it has been out of view for 3 seconds.
  let stream = null;
  let timer = null;
  let lastText = "";
  let lastSeen = 0;

  function seen(text) {
    const now = Date.now();
    const fresh = text !== lastText || now - lastSeen > 3000;
    lastText = text;
    lastSeen = now;
    if (fresh) checkIn(text, "scan");
  }

  function decode(source, width, height) {
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(source, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const found = window.jsQR(image.data, width, height, {inversionAttempts: "attemptBoth"});
    return found && found.data ? found.data : "";
  }

  function tick() {
    if (!stream) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      const text = decode(video, video.videoWidth, video.videoHeight);
      if (text) seen(text);
    }
    timer = setTimeout(tick, 150);
  }

  async function start() {
    if (!navigator.mediaDevices || !window.jsQR) {
      status.textContent = d.tNoCamera;
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    } catch (e) {
      status.textContent = d.tNoCamera;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    startButton.disabled = true;
    stopButton.disabled = false;
    status.textContent = d.tScanning;
    await video.play().catch(() => {});
    tick();
  }

  function stop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    clearTimeout(timer);
    lastText = "";  // opened again, the camera may read the same code again
    video.hidden = true;
    startButton.disabled = false;
    stopButton.disabled = true;
    status.textContent = "";
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  window.addEventListener("online", upload);
  setInterval(upload, 20000);
  drawQueue();
  upload();
})();
