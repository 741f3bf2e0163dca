// Filters of the site's lists by type, role and year (no library, nothing fetched). A form.list-filter names
// its list (data-filter-for); rows are [data-row] with data-type (a kind) and data-when ("role:year" tokens,
// "role:" when undated); groups ([data-group]) with no row left are hidden too. Without JavaScript the form stays
// hidden and every row shows.
(function () {
  'use strict';
  function matches(row, type, role, year) {
    if (type && row.dataset.type !== type) return false;
    if (!role && !year) return true;
    return (row.dataset.when || '').split(' ').some(function (token) {
      var at = token.indexOf(':');
      if (at < 0) return false;
      return (!role || token.slice(0, at) === role) && (!year || token.slice(at + 1) === year);
    });
  }
  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field ? field.value : '';
  }
  document.querySelectorAll('form.list-filter').forEach(function (form) {
    var list = document.querySelector(form.dataset.filterFor);
    if (!list) return;
    var rows = Array.prototype.slice.call(list.querySelectorAll('[data-row]'));
    var groups = list.querySelectorAll('[data-group]');
    var count = form.querySelector('.filter-count');
    function apply() {
      var type = value(form, 'type'), role = value(form, 'role'), year = value(form, 'year'), shown = 0;
      rows.forEach(function (row) {
        var keep = matches(row, type, role, year);
        row.hidden = !keep;
        if (keep) shown++;
      });
      groups.forEach(function (group) { group.hidden = !group.querySelector('[data-row]:not([hidden])'); });
      if (count) count.textContent = shown === rows.length ? 'all ' + rows.length + ' shown' : shown + ' of ' + rows.length + ' shown';
    }
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  });
})();
