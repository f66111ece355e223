// Autosave each answer as it changes, and count down a time limit.
// Without JavaScript the form still works: submit sends every answer.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form) return;
  var url = form.getAttribute("data-autosave-url");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var status = document.querySelector("[data-save-status]");
  var counter = document.querySelector("[data-answered-count]");

  function say(text) { if (status) status.textContent = text; }

  function countAnswered() {
    var n = 0;
    form.querySelectorAll("fieldset[data-question-id]").forEach(function (fs) {
      if (fs.querySelector("input:checked")) n += 1;
    });
    if (counter) counter.textContent = n;
  }

  function save(fieldset) {
    var ids = Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return i.value; });
    say("Saving…");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ question_id: fieldset.getAttribute("data-question-id"), choice_ids: ids })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) { say("All answers saved."); }
        else { say(body.error || "Could not save; your choice is kept on this page."); }
      });
    }).catch(function () {
      say("Offline: your choice is kept on this page and will be sent when you submit.");
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question-id]");
    if (fieldset) { countAnswered(); save(fieldset); }
  });

  var deadlineEl = document.querySelector("[data-deadline]");
  if (deadlineEl) {
    var deadline = new Date(deadlineEl.getAttribute("data-deadline")).getTime();
    var submitted = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      deadlineEl.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 0 && !submitted) { submitted = true; form.submit(); }
    };
    tick();
    setInterval(tick, 1000);
  }
})();
