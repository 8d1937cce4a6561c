namespace ActorMTA.Storage.Suppression;

/// <summary>How an address came onto the suppression list; stored and exported as its lower-case name.</summary>
public enum SuppressionSource
{
    /// <summary>A hard bounce (InvalidRecipient, BadDomain) seen by the delivery path.</summary>
    Bounce,

    /// <summary>A feedback-loop complaint (the recipient marked the mail as spam).</summary>
    Complaint,

    /// <summary><c>actormta suppression add</c>.</summary>
    Manual,

    /// <summary><c>actormta suppression import</c> of a file without a source column value.</summary>
    Import,
}
