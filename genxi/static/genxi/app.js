/* Genxi's page behaviour. The Content-Security-Policy allows no inline script, so templates say
   what they want with data- attributes and this one file (loaded by base.html) does it:

   <form data-confirm="…">            asks before the form is sent
   <form data-max-choices="N" data-too-many="…">  a ballot with more than N ticks is not sent
   <form data-budget="B" data-over-budget="…">     nor one whose ticked data-cost add up over B
   <button data-print>                  prints the page
   <button data-pick-resident data-pk data-name>   adds a resident to #picked (demand form)
   <button data-pick-category data-category="pk">  chooses a category on the demand form
   <select data-reload>                 reloads the filter form (and forgets the chosen place)
*/
(function () {
  "use strict";

  function stop(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  function say(form, text) {
    let box = form.querySelector(".js-form-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "error js-form-error";
      box.setAttribute("role", "alert");
      const actions = form.querySelector(".actions");
      if (actions) actions.before(box);
      else form.append(box);
    }
    box.textContent = text;
  }

  // Capture phase: decided before htmx or the browser sends anything.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    // A ballot over its limit is refused here, before the confirmation (the server checks again).
    const ticked = form.querySelectorAll('input[type="checkbox"]:checked');
    const max = form.dataset.maxChoices;
    if (max && ticked.length > Number(max)) {
      say(form, form.dataset.tooMany || "");
      stop(event);
      return;
    }
    const budget = form.dataset.budget;
    if (budget) {
      // In cents, so that 0.1 + 0.2 adds up.
      const cents = (text) => Math.round(Number(text || 0) * 100);
      const total = Array.from(ticked).reduce((sum, box) => sum + cents(box.dataset.cost), 0);
      if (total > cents(budget)) {
        say(form, form.dataset.overBudget || "");
        stop(event);
        return;
      }
    }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) stop(event);
  }, true);

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("[data-print]")) {
      window.print();
      return;
    }
    const resident = target.closest("[data-pick-resident]");
    if (resident) {
      pickResident(resident);
      return;
    }
    const category = target.closest("[data-pick-category]");
    if (category) pickCategory(category);
  });

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement)) return;
    if (select.hasAttribute("data-reload") && select.form) {
      if (select.form.elements.namedItem("place")) select.form.elements.namedItem("place").value = "";
      select.form.submit();
    }
    // A community's automatic category never overrides a person's own choice.
    if (select.id === "id_category" && event.isTrusted) select.dataset.touched = "1";
  });

  // The demand form: add a resident found by the search to the reporters.
  function pickResident(button) {
    const picked = document.getElementById("picked");
    if (!picked) return;
    if (picked.querySelector('input[value="' + button.dataset.pk + '"]')) return;
    const label = document.createElement("label");
    label.className = "chip";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = picked.dataset.field;
    box.value = button.dataset.pk;
    box.checked = true;
    label.append(box, " " + button.dataset.name);
    picked.append(label);
    button.remove();
  }

  // The demand form: take triage's suggested category.
  function pickCategory(button) {
    const select = document.getElementById("id_category");
    if (!select) return;
    select.value = button.dataset.category;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // A community's automatic category fills the menu once, and never over a person's own choice.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "triage-suggestions") return;
    const auto = document.getElementById("triage-auto");
    const select = document.getElementById("id_category");
    const applied = document.getElementById("triage-auto-applied");
    if (auto && select && !select.value && !select.dataset.touched) {
      select.value = auto.dataset.auto;
      if (applied) applied.value = auto.dataset.auto;
    }
  });

  // "This is the same" on a demand that has since gone out of reach: say so where it was pressed.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (event.detail.xhr.status === 404 && target && target.id && target.id.startsWith("join-")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The demand form's place filter: hide the places (and empty groups) whose name, path or
  // pinyin lacks the words typed; one place left is chosen.
  document.addEventListener("input", (event) => {
    if (event.target.id !== "place-filter") return;
    const words = event.target.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const select = document.getElementById("id_area");
    if (!select) return;
    const shown = [];
    for (const option of select.querySelectorAll("option[data-search]")) {
      const match = words.every((w) => option.dataset.search.toLowerCase().includes(w));
      option.hidden = option.disabled = !match;
      if (match) shown.push(option);
    }
    for (const group of select.querySelectorAll("optgroup")) {
      group.hidden = !group.querySelector("option:not([hidden])");
    }
    if (words.length && shown.length === 1 && select.value !== shown[0].value) {
      select.value = shown[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
