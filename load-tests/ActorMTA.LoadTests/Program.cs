using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Commands;

namespace ActorMTA.LoadTests;

/// <summary>`actormta-load COMMAND [options]`: smtp, imap, pop3 load; sink; verify.</summary>
public static class Program
{
    private const string Overview = """
        usage: actormta-load COMMAND [options]     (actormta-load COMMAND --help for its options)

        commands:
          smtp     send mail from many concurrent SMTP sessions (closed or open loop, --hold for
                   10,000+ idle sessions), optionally verify delivery (--verify sink|pop3|imap)
          imap     concurrent IMAP sessions: LOGIN, SELECT, FETCH, STORE, LOGOUT
          pop3     concurrent POP3 sessions: USER/PASS, STAT, RETR, QUIT
          sink     a fast SMTP receiver that counts what the server relays to it
          verify   check mailboxes for the acknowledged ids of an earlier `smtp --ids-out FILE` run
          imap-stress  many IMAP sessions on one mailbox; every response checked against the IMAP rules

        exit codes: 0 ok, 1 acknowledged mail lost, 2 usage or setup error, 3 error rate above --max-error-rate
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? Console.Error : Console.Out).Write(Overview);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        var command = args[0];
        var rest = args[1..];
        try
        {
            return command switch
            {
                "smtp" => await SmtpCommand.RunAsync(new ArgReader(command, rest, SmtpOptions.Specs)),
                "imap" => await MailboxCommand.RunAsync(new ArgReader(command, rest, MailboxOptions.ImapSpecs), imap: true),
                "pop3" => await MailboxCommand.RunAsync(new ArgReader(command, rest, MailboxOptions.Pop3Specs), imap: false),
                "sink" => await SinkCommand.RunAsync(new ArgReader(command, rest, SinkOptions.Specs)),
                "verify" => await VerifyCommand.RunAsync(new ArgReader(command, rest, VerifyCommandOptions.Specs)),
                "imap-stress" => await ImapStressCommand.RunAsync(new ArgReader(command, rest, ImapStressCommand.Specs)),
                _ => throw new UsageException($"unknown command '{command}' (smtp, imap, pop3, sink, verify, imap-stress)"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"actormta-load: {e.Message}");
            Console.Error.WriteLine($"try: actormta-load {(command is "smtp" or "imap" or "pop3" or "sink" or "verify" or "imap-stress" ? command + " " : "")}--help");
            return ExitCodes.Usage;
        }
    }
}
