// The home page: the study activities the API offers (retired ones are not
// listed), how many words are due now, and the way to the progress page.
import { get } from "../shared/api.js";
import { $, setText, showScreen } from "../shared/screens.js";
import { showError, showLearner } from "../shared/sign-in.js";

function activityItem(activity) {
  const item = $("activity-template").content.firstElementChild.cloneNode(true);
  const link = item.querySelector(".activity-link");
  link.href = activity.launch_url;
  item.querySelector(".activity-preview").src = activity.preview_url;
  item.querySelector(".activity-title").textContent = activity.title;
  item.querySelector(".activity-description").textContent = activity.description;
  return item;
}

function dueSentence(due) {
  if (due === 0) return "Nothing is due for review right now.";
  return `${due.toLocaleString("en")} ${due === 1 ? "word is" : "words are"} due for review now.`;
}

async function open() {
  showScreen("loading");
  try {
    const [activities, forecast] = await Promise.all([get("/api/study-activities"), get("/api/dashboard/forecast?days=1")]);
    $("activities").replaceChildren(...activities.map(activityItem));
    setText("due-now", dueSentence(forecast.due_now));
    showScreen("home");
  } catch (error) {
    showError(error, open);
  }
}

showLearner();
open();
