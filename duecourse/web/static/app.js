// Duecourse web console: the one script (served from /static, no CDN, no inline handlers: the
// CSP allows scripts from this origin only). Two small behaviours, both optional: the pages work
// without them.
//   - a filter form (class "filters") submits itself when one of its selects changes;
//   - a form with data-confirm asks before it is sent (approve / reject / sign out).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.filters").forEach(function (form) {
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
});
