using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace ActorMTA.Integration.Tests.Cluster;

/// <summary>Configuration of a test cluster node: the postgresql backend, its remoting port and the seed node.</summary>
internal static class ClusterNodeConfig
{
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public static string For(string database, int remotingPort, int seedPort, string extra = "") => $"""
        actormta.storage.backend = postgresql
        actormta.storage.postgresql.connection-string = {JsonSerializer.Serialize(database)}
        akka.remote.dot-netty.tcp.port = {remotingPort}
        akka.cluster.seed-nodes = ["akka.tcp://actormta@127.0.0.1:{seedPort}"]
        {extra}
        """;
}
