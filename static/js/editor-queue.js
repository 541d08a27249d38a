/* The device's own store for the field editor: edits made without a connection wait in
   IndexedDB (photos as Blobs) until they can be sent, and the form being typed is kept in
   localStorage so that a reload loses nothing. Only the user's own edits are kept; nothing
   read from the server is cached. */
"use strict";

window.EditorStore = (function () {
  const DB_NAME = "gis-editor";
  const STORE = "queue";
  const DRAFT_PREFIX = "gis-editor-draft:";

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => { db.close(); resolve(request.result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    });
  }

  return {
    // Items come back in the order they were added (the auto-increment key), so edits
    // reach the server in the order they were made.
    add: (item) => withStore("readwrite", (store) => store.add(item)),
    all: () => withStore("readonly", (store) => store.getAll()),
    remove: (seq) => withStore("readwrite", (store) => store.delete(seq)),
    clear: () => withStore("readwrite", (store) => store.clear()),

    saveDraft(key, draft) { localStorage.setItem(DRAFT_PREFIX + key, JSON.stringify(draft)); },
    loadDraft(key) {
      const text = localStorage.getItem(DRAFT_PREFIX + key);
      return text ? JSON.parse(text) : null;
    },
    dropDraft(key) { localStorage.removeItem(DRAFT_PREFIX + key); },
    dropAllDrafts() {
      Object.keys(localStorage).filter((k) => k.startsWith(DRAFT_PREFIX)).forEach((k) => localStorage.removeItem(k));
    },
  };
})();
