package repotest

import "strings"

// Corso v0.19.0's selectors (pkg/selectors): the service numbers, and the
// categories `corso backup create <service>` includes by default (each
// service's AllData), with the leaf category of each.
var (
	corsoServiceNumbers = map[string]int{"exchange": 1, "onedrive": 2, "sharepoint": 3, "groups": 4, "chats": 5}
	corsoAllData        = map[string][][2]string{
		"exchange":   {{"ExchangeContactFolder", "ExchangeContact"}, {"ExchangeEventCalendar", "ExchangeEvent"}, {"ExchangeMailFolder", "ExchangeMail"}},
		"onedrive":   {{"OneDriveFolder", "OneDriveItem"}},
		"sharepoint": {{"SharePointLibraryFolder", "SharePointLibraryItem"}, {"SharePointList", "SharePointListItem"}, {"SharePointPageFolder", "SharePointPage"}},
		"groups":     {{"GroupsLibraryFolder", "GroupsLibraryItem"}, {"GroupsChannel", "GroupsChannelMessage"}, {"GroupsConversation", "GroupsConversationPost"}},
		"chats":      {{"TeamsChatsChat", "TeamsChatsChat"}},
	}
)

// corsoFilter is the JSON of Corso's pkg/filters.Filter.
func corsoFilter(comparator string, targets, normalized []string, identity string) map[string]any {
	return map[string]any{
		"comparator_type": comparator, "targets": targets, "normalizedTargets": normalized,
		"negate": false, "identity": identity, "target": "", "comparator": 0,
	}
}

func corsoIdentity(id string) map[string]any {
	return corsoFilter("Identity", []string{id}, []string{strings.ToLower(strings.TrimSpace(id))}, id)
}

// CorsoSelector is the selector a backup of every category of service for
// one resource records, as Corso's NewXBackup([]string{id}) with
// Include(AllData()) and the owner's name set writes it.
func CorsoSelector(service, resourceID, resourceName string) map[string]any {
	includes := []map[string]any{}

	for _, cat := range corsoAllData[service] {
		includes = append(includes, map[string]any{
			"category": corsoIdentity(cat[0]),
			"type":     corsoIdentity(cat[1]),
			// selectors.Any(): the filter that passes everything.
			cat[0]: corsoFilter("Pass", []string{"*"}, nil, ""),
		})
	}

	return map[string]any{
		"service":           corsoServiceNumbers[service],
		"resourceOwners":    corsoFilter("EQ", []string{resourceID}, []string{strings.ToLower(resourceID)}, ""),
		"discreteOwner":     resourceID,
		"discreteOwnerName": resourceName,
		"exclusions":        []any{},
		"includes":          includes,
	}
}
