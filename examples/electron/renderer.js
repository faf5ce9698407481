// The page's script: the signed-in user's open issues and the timer, through window.ytracker
// (the preload). A real app imports `invoke`/`listen` from src/renderer/sidecar.ts instead.
const out = document.getElementById("out");
const show = (line) => {
  out.textContent += `${line}\n`;
};

window.ytracker
  .listen("timer-tick", ({ payload }) => show(payload.active ? `timer: ${payload.issue_key}` : "timer: stopped"))
  .catch((error) => show(`listen failed: ${error}`));

window.ytracker
  .invoke("get_issues", { query: null, filter: { resolution: "empty()", assignee: "me()" }, scroll_id: null })
  .then((page) => page.issues.forEach((issue) => show(`${issue.key}  ${issue.summary}`)))
  .catch((error) => show(`error: ${error}`)); // the sidecar's message, e.g. "Not authenticated. …"
