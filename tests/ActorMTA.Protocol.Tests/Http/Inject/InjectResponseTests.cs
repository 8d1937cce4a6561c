using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Protocol.Http.Inject;
using Xunit;

namespace ActorMTA.Protocol.Tests.Http.Inject;

public class InjectResponseTests
{
    [Fact]
    public void Reply_is_snake_case_with_addresses_kept_as_keys()
    {
        var tally = new InjectResponseBuilder();
        tally.Succeeded();
        tally.Succeeded();
        tally.Failed("Bob.Smith@Example.com", "Template error: divided by 0");

        var json = Encoding.UTF8.GetString(tally.ToResponse().ToJsonBytes());

        Assert.Equal(
            """{"success_count":2,"fail_count":1,"failed_recipients":["Bob.Smith@Example.com"],"errors":{"Bob.Smith@Example.com":"Template error: divided by 0"}}""",
            json);
    }

    [Fact]
    public void Reply_round_trips_through_json()
    {
        var tally = new InjectResponseBuilder();
        tally.Failed("a@example.com", "first");
        tally.Failed("a@example.com", "second");
        var response = tally.ToResponse();

        var back = InjectResponse.FromJson(response.ToJsonBytes());

        Assert.Equal((0, 2), (back.SuccessCount, back.FailCount));
        Assert.Equal(["a@example.com", "a@example.com"], back.FailedRecipients);
        Assert.Equal("second", back.Errors["a@example.com"]);
    }

    [Fact]
    public void Only_failed_outcomes_are_counted_before_commit()
    {
        var recipient = new InjectRecipient("a@example.com", null, InjectRecipient.NoSubstitutions);
        var tally = new InjectResponseBuilder();
        tally.CountIfFailed(InjectOutcome.Built(recipient, new byte[] { 1 }));
        tally.CountIfFailed(InjectOutcome.Failed(recipient, "bad"));

        var response = tally.ToResponse();

        Assert.Equal((0, 1), (response.SuccessCount, response.FailCount));
        Assert.Equal("bad", response.Errors["a@example.com"]);
    }

    [Fact]
    public void Error_body_has_code_and_message_under_error()
    {
        var error = InjectError.BadRequest(InjectError.InvalidAddress, "recipients[0].email 'x' is \"bad\"");

        var json = JsonNode.Parse(error.ToJsonBytes())!.AsObject();

        Assert.Equal(400, error.Status);
        var only = Assert.Single(json);
        Assert.Equal("error", only.Key);
        Assert.Equal("invalid_address", (string?)json["error"]!["code"]);
        Assert.Equal("recipients[0].email 'x' is \"bad\"", (string?)json["error"]!["message"]);
    }
}
