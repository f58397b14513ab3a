package platform

// KeepsAccessLists is whether the file system keeps access lists (Wine's does not).
var KeepsAccessLists = keepsAccessLists
