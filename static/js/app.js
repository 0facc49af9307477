// Small behaviours for server-rendered pages. No inline scripts: the CSP forbids them.
document.addEventListener("DOMContentLoaded", function () {
  // Filter forms submit when a select changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Role choice shows the matching organisation field on the account form.
  var role = document.getElementById("id_role");
  if (role && role.dataset.kgRoles) {
    var kgRoles = role.dataset.kgRoles.split(",");
    var sync = function () {
      var isKg = kgRoles.indexOf(role.value) !== -1;
      var bureau = document.getElementById("field-bureau");
      var kg = document.getElementById("field-kindergarten");
      if (bureau) bureau.hidden = isKg && role.value !== "";
      if (kg) kg.hidden = !isKg;
    };
    role.addEventListener("change", sync);
    sync();
  }
});
