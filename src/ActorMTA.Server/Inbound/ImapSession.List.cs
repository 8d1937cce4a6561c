using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Mailboxes;

namespace ActorMTA.Server.Inbound;

/// <summary>LIST (with LIST-EXTENDED, LIST-STATUS and SPECIAL-USE selection), LSUB, and the STATUS values they share.</summary>
public sealed partial class ImapSession
{
    private void List(ImapCommand.List command)
    {
        var options = command.Options;
        if (command.Patterns is [""] && options == ListOptions.None)
        {
            // LIST "" "": the hierarchy delimiter and root (RFC 3501 section 6.3.8).
            Send(new ImapResponse.List(["\\Noselect"], MailboxFolders.Delimiter, ""));
            Complete(ImapStatus.Ok, null, "LIST completed");
            return;
        }
        var patterns = command.Patterns.Select(p => MailboxPattern.Combine(command.Reference, p, MailboxFolders.Delimiter)).ToList();
        // Names are matched as this client spells them: a UTF8=ACCEPT client's pattern against the decoded name.
        bool Matches(string name) => patterns.Any(p => MailboxPattern.Matches(p, WireName(name), MailboxFolders.Delimiter));
        AskMailbox(new ListFolders(_user!), reply =>
        {
            if (reply is not FolderList list)
            {
                RefusedReply(reply);
                return;
            }
            foreach (var (name, folder, childInfo) in ListedFolders(list, options, Matches))
            {
                List<string> attributes;
                if (folder is null)
                {
                    attributes = ["\\NonExistent"];
                    if (list.Subscriptions.Contains(name)) attributes.Add("\\Subscribed");
                }
                else
                {
                    attributes = [folder.HasChildren ? "\\HasChildren" : "\\HasNoChildren"];
                    if (folder.Subscribed) attributes.Add("\\Subscribed");
                    if (folder.SpecialUse is { } use) attributes.Add(use);
                }
                Send(new ImapResponse.List(attributes, MailboxFolders.Delimiter, WireName(name), ChildInfo: childInfo));
                // RFC 5819: the STATUS of each selectable folder listed, right after its LIST response.
                if (folder is not null && options.Status is { } items)
                    Send(new ImapResponse.MailboxStatus(WireName(folder.Name), StatusValues(folder, items)));
            }
            Complete(ImapStatus.Ok, null, "LIST completed");
        });
    }

    /// <summary>
    /// What a LIST returns, in folder order: every folder the patterns match; with the SUBSCRIBED selection the
    /// subscribed names instead (a name with no folder is \NonExistent), and with RECURSIVEMATCH also the parents of
    /// subscribed names the patterns leave out, marked CHILDINFO (RFC 5258 section 3); with SPECIAL-USE only folders
    /// that have a special use (RFC 6154).
    /// </summary>
    private static List<(string Name, FolderInfo? Folder, bool ChildInfo)> ListedFolders(FolderList list, ListOptions options, Func<string, bool> matches)
    {
        var folders = list.Folders.ToDictionary(f => f.Name, StringComparer.Ordinal);
        if (!options.Subscribed)
        {
            return list.Folders.Where(f => matches(f.Name) && (!options.SpecialUse || f.SpecialUse is not null))
                .Select(f => (f.Name, (FolderInfo?)f, false)).ToList();
        }
        var listed = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var name in list.Subscriptions)
        {
            if (options.SpecialUse && folders.GetValueOrDefault(name)?.SpecialUse is null) continue;
            if (matches(name)) listed[name] = listed.GetValueOrDefault(name);
            if (!options.RecursiveMatch) continue;
            foreach (var parent in MailboxFolders.Ancestors(name))
                if (matches(parent)) listed[parent] = true;
        }
        // INBOX first, as for a plain LIST.
        return listed.OrderBy(l => l.Key == MailboxFolders.Inbox ? 0 : 1).ThenBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => (l.Key, folders.GetValueOrDefault(l.Key), l.Value)).ToList();
    }

    private void Lsub(string reference, string pattern)
    {
        var combined = MailboxPattern.Combine(reference, pattern, MailboxFolders.Delimiter);
        AskMailbox(new ListFolders(_user!), reply =>
        {
            if (reply is not FolderList list)
            {
                RefusedReply(reply);
                return;
            }
            // Matched and sent as this client spells the names (decoded once, here).
            foreach (var (name, noSelect) in SubscribedMatches(list.Subscriptions.Select(WireName).ToList(), combined))
                Send(new ImapResponse.List(noSelect ? ["\\Noselect"] : [], MailboxFolders.Delimiter, name, Lsub: true));
            Complete(ImapStatus.Ok, null, "LSUB completed");
        });
    }

    /// <summary>
    /// LSUB: the subscribed names the pattern matches, and (RFC 3501 section 6.3.9) the parents of subscribed names
    /// that "%" matches at a level above them, flagged \Noselect when not subscribed themselves.
    /// </summary>
    private static IEnumerable<(string Name, bool NoSelect)> SubscribedMatches(IReadOnlyList<string> subscriptions, string pattern)
    {
        var subscribed = subscriptions.ToHashSet(StringComparer.Ordinal);
        var result = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var name in subscriptions)
        {
            if (MailboxPattern.Matches(pattern, name, MailboxFolders.Delimiter))
            {
                result[name] = false;
                continue;
            }
            foreach (var parent in MailboxFolders.Ancestors(name))
                if (!subscribed.Contains(parent) && MailboxPattern.Matches(pattern, parent, MailboxFolders.Delimiter)) result.TryAdd(parent, true);
        }
        return result.Select(r => (r.Key, r.Value));
    }

    private static List<KeyValuePair<ImapStatusItem, ulong>> StatusValues(FolderInfo info, IReadOnlyList<ImapStatusItem> items) =>
        items.Select(item => new KeyValuePair<ImapStatusItem, ulong>(item, item switch
        {
            ImapStatusItem.Messages => (ulong)info.Messages,
            ImapStatusItem.Recent => (ulong)info.Recent,
            ImapStatusItem.UidNext => (ulong)info.UidNext,
            ImapStatusItem.UidValidity => (ulong)info.UidValidity,
            ImapStatusItem.HighestModSeq => (ulong)info.HighestModSeq,
            ImapStatusItem.Deleted => (ulong)info.Deleted,
            ImapStatusItem.DeletedStorage => (ulong)KiB(info.DeletedBytes),
            _ => (ulong)info.Unseen,
        })).ToList();
}
