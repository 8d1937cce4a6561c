using System.Net;
using ActorMTA.Server.Checks.Spf;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>The Received-SPF field of RFC 7208 section 9.1.</summary>
public class ReceivedSpfHeaderTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.1");

    private static string Format(SpfResult result, string? mechanism = "ip4:192.0.2.0/24", string? problem = null,
        string envelopeFrom = "myname@example.com", string helo = "foo.example.com", string identity = "mailfrom", IPAddress? client = null) =>
        ReceivedSpfHeader.Format(new SpfOutcome(result, "example.com", null, mechanism, problem), client ?? Client, identity, envelopeFrom, helo, "mybox.example.org");

    /// <summary>Unfolded: the CRLF before each continuation removed, as a reader of the field does.</summary>
    private static string Unfold(string field) => field.TrimEnd('\r', '\n').Replace("\r\n ", " ");

    private static void AssertWellFormed(string field)
    {
        Assert.StartsWith("Received-SPF: ", field);
        Assert.EndsWith("\r\n", field);
        var body = field[..^2];
        // Every line break is a fold (CRLF then a space), and there is no bare CR or LF.
        Assert.Equal(body.Split("\r\n").Length - 1, body.Split('\n').Length - 1);
        Assert.Equal(body.Split("\r\n").Length - 1, body.Split('\r').Length - 1);
        foreach (var line in body.Split("\r\n").Skip(1)) Assert.StartsWith(" ", line);
        foreach (var line in body.Split("\r\n")) Assert.True(line.Length <= 998, line);
    }

    [Theory]
    [InlineData(SpfResult.Pass, "pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender)")]
    [InlineData(SpfResult.Fail, "fail (mybox.example.org: domain of myname@example.com does not designate 192.0.2.1 as permitted sender)")]
    [InlineData(SpfResult.SoftFail, "softfail (mybox.example.org: transitioning domain of myname@example.com does not designate 192.0.2.1 as permitted sender)")]
    [InlineData(SpfResult.Neutral, "neutral (mybox.example.org: 192.0.2.1 is neither permitted nor denied by domain of myname@example.com)")]
    [InlineData(SpfResult.None, "none (mybox.example.org: domain of myname@example.com does not designate permitted sender hosts)")]
    [InlineData(SpfResult.TempError, "temperror (mybox.example.org: temporary error checking domain of myname@example.com)")]
    [InlineData(SpfResult.PermError, "permerror (mybox.example.org: permanent error in the SPF record for domain of myname@example.com)")]
    public void Each_result(SpfResult result, string start)
    {
        var isError = result is SpfResult.TempError or SpfResult.PermError;
        var field = Format(result, mechanism: isError ? null : "ip4:192.0.2.0/24", problem: isError ? "something broke" : null);
        AssertWellFormed(field);
        var unfolded = Unfold(field);
        Assert.StartsWith("Received-SPF: " + start + " ", unfolded);
        Assert.Contains(" client-ip=192.0.2.1;", unfolded);
        Assert.Contains(" envelope-from=\"myname@example.com\";", unfolded);
        Assert.Contains(" helo=foo.example.com;", unfolded);
        Assert.Contains(" receiver=mybox.example.org;", unfolded);
        Assert.Contains(" identity=mailfrom;", unfolded);
        if (isError)
        {
            Assert.Contains(" problem=\"something broke\";", unfolded);
            Assert.DoesNotContain("mechanism=", unfolded);
        }
        else
        {
            Assert.Contains(" mechanism=\"ip4:192.0.2.0/24\";", unfolded);
            Assert.DoesNotContain("problem=", unfolded);
        }
    }

    [Fact]
    public void Pass_example_in_full()
    {
        var field = Format(SpfResult.Pass, mechanism: "default");
        Assert.Equal(
            "Received-SPF: pass (mybox.example.org: domain of myname@example.com designates\r\n" +
            " 192.0.2.1 as permitted sender) client-ip=192.0.2.1;\r\n" +
            " envelope-from=\"myname@example.com\"; helo=foo.example.com;\r\n" +
            " receiver=mybox.example.org; identity=mailfrom; mechanism=default;\r\n",
            field);
        foreach (var line in field.Split("\r\n")) Assert.True(line.Length <= 78, line);
    }

    [Fact]
    public void Helo_identity_names_the_helo_domain()
    {
        var field = Unfold(Format(SpfResult.Fail, envelopeFrom: "", identity: "helo"));
        Assert.Contains("domain of foo.example.com does not designate", field);
        Assert.Contains(" envelope-from=\"\";", field);
        Assert.Contains(" identity=helo;", field);
    }

    [Fact]
    public void Null_sender_is_postmaster_at_the_helo_name_in_the_comment()
    {
        var field = Unfold(Format(SpfResult.Pass, envelopeFrom: "<>"));
        Assert.Contains("domain of postmaster@foo.example.com designates", field);
    }

    [Fact]
    public void Ipv6_client_is_quoted()
    {
        var field = Unfold(Format(SpfResult.Pass, client: IPAddress.Parse("2001:db8::1")));
        Assert.Contains(" client-ip=\"2001:db8::1\";", field);
        Assert.Contains("designates 2001:db8::1 as", field);
    }

    [Fact]
    public void Client_data_cannot_inject_lines()
    {
        var field = Format(SpfResult.Fail, envelopeFrom: "evil\r\nX-Injected: yes\r\n@example.com", helo: "bad\nX-Other: 1\r",
            problem: null);
        AssertWellFormed(field);
        Assert.DoesNotContain("\r\nX-", field);
        Assert.DoesNotContain("\nX-", field);
        Assert.Contains("evil??X-Injected: yes??@example.com", Unfold(field));
    }

    [Fact]
    public void Quotes_backslashes_and_parentheses_are_escaped()
    {
        var field = Unfold(Format(SpfResult.PermError, mechanism: null, problem: "bad \"term\" \\ here", envelopeFrom: "a(b)c@example.com"));
        Assert.Contains(" problem=\"bad \\\"term\\\" \\\\ here\";", field);
        Assert.Contains("domain of a\\(b\\)c@example.com)", field);
        Assert.Contains(" envelope-from=\"a(b)c@example.com\";", field);
    }

    [Fact]
    public void Long_quoted_values_fold_at_their_spaces()
    {
        var problem = string.Join(' ', Enumerable.Repeat("word", 60)) + "  two-spaces-before";
        var field = Format(SpfResult.PermError, mechanism: null, problem: problem);
        AssertWellFormed(field);
        foreach (var line in field.Split("\r\n")) Assert.True(line.Length <= 78, line);
        foreach (var line in field.Split("\r\n").Skip(1).SkipLast(1)) Assert.False(string.IsNullOrWhiteSpace(line));
        Assert.Contains(" problem=\"" + problem + "\";", Unfold(field));
    }

    [Fact]
    public void Very_long_values_are_cut_and_lines_stay_within_998()
    {
        var field = Format(SpfResult.PermError, mechanism: null, problem: new string('x', 5000), envelopeFrom: new string('y', 3000) + "@example.com");
        AssertWellFormed(field);
        Assert.Contains("...", field);
    }

    [Fact]
    public void Every_result_formats_with_an_outcome_from_the_evaluator()
    {
        foreach (var result in Enum.GetValues<SpfResult>())
        {
            var field = Format(result);
            AssertWellFormed(field);
            Assert.StartsWith("Received-SPF: " + ReceivedSpfHeader.ResultWord(result) + " (", field);
        }
    }
}
