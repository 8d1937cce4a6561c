namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Which commands are valid in which state (RFC 3501 sections 3 and 6, RFC 5161 for ENABLE, RFC 2971
/// for ID), checked before a command is executed. A command in the wrong state is a protocol error
/// (BAD); a login before TLS where TLS is required is refused with NO [PRIVACYREQUIRED] (RFC 5530).
/// </summary>
public static class ImapStateRules
{
    /// <summary>Null when the command may run now, else the tagged response that rejects it.</summary>
    /// <param name="readOnly">The selected mailbox was opened with EXAMINE (or is read-only).</param>
    public static ImapResponse.StatusResponse? Check(
        ImapCommand command, ImapState state, bool tlsActive, ImapServerOptions options, bool readOnly = false)
    {
        var tag = command.Tag;
        if (state == ImapState.Logout) return Bad(tag, "Connection is closing");

        switch (command)
        {
            case ImapCommand.Capability or ImapCommand.Noop or ImapCommand.Logout or ImapCommand.Id:
                return null;

            case ImapCommand.StartTls:
                if (state != ImapState.NotAuthenticated) return Bad(tag, "Already authenticated");
                if (tlsActive) return Bad(tag, "TLS is already active");
                if (!options.TlsAvailable) return Bad(tag, "STARTTLS is not available");
                return null;

            case ImapCommand.Login or ImapCommand.Authenticate:
                if (state != ImapState.NotAuthenticated) return Bad(tag, "Already authenticated");
                if (!ImapCapabilities.IsLoginAllowed(options, tlsActive))
                    return new ImapResponse.StatusResponse(tag, ImapStatus.No, ImapResponseCode.PrivacyRequired, "Use STARTTLS before logging in");
                return null;

            case ImapCommand.Enable:
                // RFC 5161 section 3.1: only in the authenticated state.
                return state == ImapState.Authenticated ? null : Bad(tag, state == ImapState.NotAuthenticated ? "Log in first" : "ENABLE is not allowed with a mailbox selected");

            case ImapCommand.Select or ImapCommand.Examine or ImapCommand.Create or ImapCommand.Delete
                or ImapCommand.Rename or ImapCommand.Subscribe or ImapCommand.Unsubscribe or ImapCommand.List
                or ImapCommand.Lsub or ImapCommand.Status or ImapCommand.Append or ImapCommand.Namespace
                or ImapCommand.Idle or ImapCommand.Compress or ImapCommand.GetQuotaRoot or ImapCommand.GetQuota or ImapCommand.SetQuota:
                return state == ImapState.NotAuthenticated ? Bad(tag, "Log in first") : null;

            case ImapCommand.Check or ImapCommand.Close or ImapCommand.Unselect or ImapCommand.Expunge
                or ImapCommand.Search or ImapCommand.Fetch or ImapCommand.Store or ImapCommand.Copy
                or ImapCommand.Move or ImapCommand.Sort or ImapCommand.Thread:
                if (state == ImapState.NotAuthenticated) return Bad(tag, "Log in first");
                if (state != ImapState.Selected) return Bad(tag, "No mailbox selected");
                if (readOnly && command is ImapCommand.Expunge or ImapCommand.Store or ImapCommand.Move)
                    return new ImapResponse.StatusResponse(tag, ImapStatus.No, ImapResponseCode.ReadOnly, "Mailbox is read-only");
                return null;

            default:
                return Bad(tag, "Unknown command");
        }
    }

    private static ImapResponse.StatusResponse Bad(string tag, string text) => new(tag, ImapStatus.Bad, null, text);
}
