using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace ActorMTA.Integration.Tests.Http;

/// <summary>One injection request to a server's HTTP listener on loopback, as a bulk sender's client sends it.</summary>
public static class InjectApi
{
    /// <summary>POSTs <paramref name="body"/> with the bearer <paramref name="token"/>; requires 200 and returns the reply.</summary>
    public static async Task<InjectResponse> InjectAsync(int port, string token, JsonObject body)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/api/inject/v1")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var reply = await client.SendAsync(request);
        var text = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.OK, text);
        return InjectResponse.Parse(text);
    }
}
