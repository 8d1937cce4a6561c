namespace ActorMTA.Server.Checks.Signing;

/// <summary>The key types a sending domain can sign with: rsa-sha256 (RFC 6376) and ed25519-sha256 (RFC 8463).</summary>
public enum DkimKeyAlgorithm
{
    Rsa,
    Ed25519,
}

public static class DkimKeyAlgorithms
{
    /// <summary>The k= tag of the key record, also the name the CLI and the metadata file use.</summary>
    public static string Name(this DkimKeyAlgorithm algorithm) => algorithm switch
    {
        DkimKeyAlgorithm.Rsa => "rsa",
        DkimKeyAlgorithm.Ed25519 => "ed25519",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    public static bool TryParse(string? text, out DkimKeyAlgorithm algorithm)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "rsa":
                algorithm = DkimKeyAlgorithm.Rsa;
                return true;
            case "ed25519":
                algorithm = DkimKeyAlgorithm.Ed25519;
                return true;
            default:
                algorithm = default;
                return false;
        }
    }
}
