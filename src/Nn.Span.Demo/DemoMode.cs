namespace Nn.Span.Demo;

/// <summary>What the command line asks for.</summary>
internal enum DemoMode
{
    /// <summary>The checks, then training and evaluation on the digits.</summary>
    Train,

    /// <summary>Classify CSV rows with a saved model.</summary>
    Predict,

    /// <summary>Print the usage.</summary>
    Help,
}
